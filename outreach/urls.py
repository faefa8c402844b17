from django.urls import path

from . import views

urlpatterns = [
    path("reviews/<int:pk>/contact/", views.review_contact, name="review_contact"),
    path("reviews/<int:pk>/message/", views.review_message, name="review_message"),
    path(
        "reviews/<int:pk>/do-not-contact/",
        views.review_do_not_contact,
        name="review_do_not_contact",
    ),
    path("reviews/<int:pk>/close/", views.review_close, name="review_close"),
    path("reviews/<int:pk>/reopen/", views.review_reopen, name="review_reopen"),
    path("reviews/<int:pk>/reply/", views.review_reply, name="review_reply"),
    path(
        "reviews/<int:pk>/reply/suggest/", views.review_reply_suggest, name="review_reply_suggest"
    ),
    path("replies/<int:pk>/decide/", views.reply_decide, name="reply_decide"),
    path("replies/<int:pk>/posted/", views.reply_posted, name="reply_posted"),
    path("replies/<int:pk>/export.txt", views.reply_export, name="reply_export"),
    path("compensations/<int:pk>/decide/", views.compensation_decide, name="compensation_decide"),
    path("due-count/", views.due_count, name="due_count"),
]
