"""我的待办, under the "inspections" namespace."""

from django.urls import path

from .views import todo_view

urlpatterns = [
    path("todo/", todo_view, name="todo"),
]
