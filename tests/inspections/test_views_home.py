"""The landing page sends leaders to the dashboard and everyone else to the task list."""

import pytest
from django.urls import reverse
from workflow_setup import world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["staff", "housing_user", "leader"])
def test_home_redirects(client, world, who):
    client.force_login(getattr(world, who))
    response = client.get(reverse("inspections:home"))
    expected = reverse("inspections:dashboard" if who == "leader" else "inspections:task_list")
    assert response["Location"] == expected


def test_home_needs_login(client, db):
    assert "/accounts/login/" in client.get(reverse("inspections:home"))["Location"]
