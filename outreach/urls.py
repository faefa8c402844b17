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
    path("due-count/", views.due_count, name="due_count"),
]
