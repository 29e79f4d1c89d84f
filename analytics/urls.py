from django.urls import path

from analytics import views

urlpatterns = [
    path("api/v1/analytics/events", views.EventBatchView.as_view(), name="analytics-events"),
    path("api/v1/analytics/dau", views.DauView.as_view(), name="analytics-dau"),
]
