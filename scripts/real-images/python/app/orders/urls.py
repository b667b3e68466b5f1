"""Routes of the orders service."""
from django.http import JsonResponse
from django.urls import path

import pandas as pd


def summary(request):
    frame = pd.DataFrame({"amount": [12.5, 7.25, 30.0]})
    return JsonResponse({"orders": len(frame), "total": float(frame.amount.sum())})


urlpatterns = [path("summary", summary)]
