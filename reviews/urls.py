from django.urls import path

from . import api, audit_views, import_views, order_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("audit/", audit_views.audit_log, name="audit_log"),
    # Ingestion: files, the webhook, its document.
    path("imports/", import_views.imports, name="imports"),
    path("imports/<int:pk>/", import_views.import_batch, name="import_batch"),
    path(
        "imports/<int:pk>/errors.csv", import_views.import_batch_errors, name="import_batch_errors"
    ),
    path("orders/import/", order_views.order_import, name="order_import"),
    path("shops/<slug:slug>/webhook/", import_views.shop_webhook, name="shop_webhook"),
    path(
        "shops/<slug:slug>/webhook/rotate/",
        import_views.shop_webhook_rotate,
        name="shop_webhook_rotate",
    ),
    path("api/shops/<slug:slug>/reviews", api.shop_reviews, name="api_shop_reviews"),
    path("api/openapi.json", api.openapi, name="api_openapi"),
]
