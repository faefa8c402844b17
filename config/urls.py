from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from reviews.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("", include("reviews.urls")),
    path("", include("outreach.urls")),
    path("", include("calls.urls")),
    path("", include("connectors.urls")),
    path("", include("reports.urls")),
]

# Works without the database (it may be what failed): config/errors.py.
handler500 = "config.errors.server_error"
