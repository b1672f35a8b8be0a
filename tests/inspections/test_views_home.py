"""The landing page sends everyone to the task list (leaders to the dashboard once it exists)."""
import pytest
from django.urls import NoReverseMatch, reverse
from workflow_setup import world  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("who", ["staff", "housing_user", "leader"])
def test_home_redirects(client, world, who):
    client.force_login(getattr(world, who))
    response = client.get(reverse("inspections:home"))
    try:
        dashboard = reverse("inspections:dashboard")
    except NoReverseMatch:
        dashboard = None
    expected = dashboard if who == "leader" and dashboard else reverse("inspections:task_list")
    assert response["Location"] == expected


def test_home_needs_login(client, db):
    assert "/accounts/login/" in client.get(reverse("inspections:home"))["Location"]
