from django.urls import path

from . import views

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
    path("reports/", views.reports, name="reports"),
]
