from django.urls import path

from . import views

urlpatterns = [
    path("reports/", views.reports_page, name="reports"),
    path("reports/reviews/", views.reports_reviews, name="reports_reviews"),
    path(
        "reports/spikes/<int:pk>/acknowledge/",
        views.spike_acknowledge,
        name="spike_acknowledge",
    ),
]
