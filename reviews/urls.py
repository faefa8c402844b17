from django.urls import path

from . import api, audit_views, import_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("reviews/<int:pk>/phone/", views.review_reveal_phone, name="review_reveal_phone"),
    path("reviews/<int:pk>/correct/", views.review_correct, name="review_correct"),
    path("board/", views.board, name="board"),
    path("board/assign/", views.board_assign, name="board_assign"),
    path("board/auto-assign/", views.board_auto_assign, name="board_auto_assign"),
    path("board/reassign/", views.board_reassign, name="board_reassign"),
    path("board/reassign-followup/", views.board_reassign_followup, name="board_reassign_followup"),
    path("board/playbook/", views.playbook, name="playbook"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    # Ingestion (issue 3).
    path("imports/", import_views.imports, name="imports"),
    path("imports/<int:pk>/", import_views.import_batch, name="import_batch"),
    path(
        "imports/<int:pk>/errors.csv", import_views.import_batch_errors, name="import_batch_errors"
    ),
    path("shops/<slug:slug>/webhook/", import_views.shop_webhook, name="shop_webhook"),
    path(
        "shops/<slug:slug>/webhook/rotate/",
        import_views.shop_webhook_rotate,
        name="shop_webhook_rotate",
    ),
    path("api/shops/<slug:slug>/reviews", api.shop_reviews, name="api_shop_reviews"),
    path("api/openapi.json", api.openapi, name="api_openapi"),
]
