"""Revenue reports and their CSV files, for owners and managers; mounted at /billing/revenue/."""

from django.urls import path

from fitnesscrm.billing import views_revenue as views

app_name = "revenue"

urlpatterns = [
    path("", views.index, name="index"),
    path("mrr.csv", views.mrr_csv, name="mrr-csv"),
    path("period/", views.period, name="period"),
    path("period.csv", views.period_csv, name="period-csv"),
    path("products/", views.products, name="products"),
    path("products.csv", views.products_csv, name="products-csv"),
    path("trainers/", views.trainers, name="trainers"),
    path("trainers.csv", views.trainers_csv, name="trainers-csv"),
    path("aging/", views.aging, name="aging"),
    path("aging.csv", views.aging_csv, name="aging-csv"),
]
