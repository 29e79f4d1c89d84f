from django.urls import path, re_path

from procurement import views

urlpatterns = [
    path("api/v1/intents", views.IntentListCreateView.as_view(), name="intents"),
    # Ids are intent_<hex>; anything else cannot name an intent and is 404 before any lookup.
    re_path(r"^api/v1/intents/(?P<intent_id>[A-Za-z0-9_-]{1,64})$", views.IntentDetailView.as_view(),
            name="intent-detail"),
]
