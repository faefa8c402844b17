from django.urls import path

from . import views

urlpatterns = [
    path("reviews/<int:pk>/call/", views.call_dial, name="call_dial"),
    path("calls/<int:pk>/outcome/", views.call_outcome, name="call_outcome"),
    # Where Aliyun pushes SecretStartReport and SecretReport (the token authenticates).
    path("calls/aliyun/<slug:slug>/<str:token>/", views.call_records, name="call_records"),
]
