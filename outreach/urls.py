from django.urls import path

from .views import (
    agreed_time,
    board,
    classifier_models,
    lead_alerts,
    orders,
    outbox,
    queue,
    replies,
    review,
    sms,
)

urlpatterns = [
    path("queue/", queue.queue, name="queue"),
    path("due-count/", queue.due_count, name="due_count"),
    path("attention/", queue.attention, name="attention"),
    # The review page and the agent's actions on it.
    path("reviews/<int:pk>/", review.review_detail, name="review_detail"),
    path("reviews/<int:pk>/phone/", review.review_reveal_phone, name="review_reveal_phone"),
    path("reviews/<int:pk>/correct/", review.review_correct, name="review_correct"),
    path("reviews/<int:pk>/contact/", review.review_contact, name="review_contact"),
    path(
        "reviews/<int:pk>/agreed-time/",
        agreed_time.review_agreed_preview,
        name="review_agreed_preview",
    ),
    path("reviews/<int:pk>/message/", review.review_message, name="review_message"),
    path(
        "reviews/<int:pk>/do-not-contact/",
        review.review_do_not_contact,
        name="review_do_not_contact",
    ),
    path("reviews/<int:pk>/close/", review.review_close, name="review_close"),
    path("reviews/<int:pk>/reopen/", review.review_reopen, name="review_reopen"),
    # Messages no provider could send: the 「待手动发送」 list and a person's two answers.
    path("outbox/", outbox.outbox, name="outbox"),
    path("outbox/count/", outbox.outbox_count, name="outbox_count"),
    path(
        "messages/<int:pk>/sent-by-hand/",
        outbox.message_sent_by_hand,
        name="message_sent_by_hand",
    ),
    path(
        "messages/<int:pk>/failed-by-hand/",
        outbox.message_failed_by_hand,
        name="message_failed_by_hand",
    ),
    path(
        "messages/<int:pk>/unknown/",
        sms.message_unknown_settle,
        name="message_unknown_settle",
    ),
    # The SMS providers' callbacks, authenticated by the account's token in the path.
    path("sms/<str:provider>/<str:token>/receipts", sms.sms_receipts, name="sms_receipts"),
    path("sms/<str:provider>/<str:token>/replies", sms.sms_replies, name="sms_replies"),
    # An order and its care call.
    path("orders/<int:pk>/", orders.order_detail, name="order_detail"),
    path("orders/<int:pk>/phone/", orders.order_phone, name="order_phone"),
    path("orders/<int:pk>/care-call/", orders.order_care_call_log, name="order_care_call_log"),
    path("reviews/<int:pk>/revised/", review.review_revised, name="review_revised"),
    # The public reply.
    path("reviews/<int:pk>/reply/", replies.review_reply, name="review_reply"),
    path(
        "reviews/<int:pk>/reply/suggest/",
        replies.review_reply_suggest,
        name="review_reply_suggest",
    ),
    path("replies/<int:pk>/decide/", replies.reply_decide, name="reply_decide"),
    path("replies/<int:pk>/posted/", replies.reply_posted, name="reply_posted"),
    path("replies/<int:pk>/export.txt", replies.reply_export, name="reply_export"),
    # The team lead's board and the shop's playbook.
    path("board/", board.board, name="board"),
    path("board/assign/", board.board_assign, name="board_assign"),
    path("board/auto-assign/", board.board_auto_assign, name="board_auto_assign"),
    path("board/reassign/", board.board_reassign, name="board_reassign"),
    path("board/reassign-followup/", board.board_reassign_followup, name="board_reassign_followup"),
    path("board/playbook/", board.playbook, name="playbook"),
    # How the shop's leads are told of missed follow-ups (e-mail, a chat robot).
    path("board/alerts/", lead_alerts.lead_alerts, name="lead_alerts"),
    path("board/alerts/test/", lead_alerts.lead_alerts_test, name="lead_alerts_test"),
    path("board/classifier/", classifier_models.classifier_models, name="classifier_models"),
    path(
        "board/classifier/activate/",
        classifier_models.classifier_activate,
        name="classifier_activate",
    ),
    path("compensations/<int:pk>/decide/", board.compensation_decide, name="compensation_decide"),
]
