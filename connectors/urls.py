from django.urls import path

from . import push, views

urlpatterns = [
    path("shops/<slug:slug>/connector/", views.connector_page, name="connector_page"),
    path("shops/<slug:slug>/connector/test/", views.connector_test, name="connector_test"),
    path("shops/<slug:slug>/connector/connect/", views.connector_connect, name="connector_connect"),
    path("replies/<int:pk>/publish/", views.reply_publish, name="reply_publish"),
    # Kuaishou's push: one URL per shop, registered on the platform for the shop's app.
    path("api/kuaishou/push/<slug:slug>", push.kuaishou_push, name="kuaishou_push"),
]
