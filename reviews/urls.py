from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("reviews/<int:pk>/", views.review_detail, name="review_detail"),
    path("board/", views.board, name="board"),
    path("reports/", views.reports, name="reports"),
]
