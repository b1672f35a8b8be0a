"""The bell: unread count, the user's own list, mark read."""

import pytest
from django.urls import reverse
from workflow_setup import world

from inspections import services
from inspections.models import Notification

pytestmark = pytest.mark.django_db


def test_unit_user_sees_its_own_notifications_only(client, world):
    services.notify(recipients=[world.township_user], kind="reminder", title="别人的提醒")
    client.force_login(world.housing_user)
    response = client.get(reverse("inspections:notification_list"))
    titles = [n.title for n in response.context["page"].object_list]
    assert titles and all("别人的提醒" != t for t in titles)
    assert any(world.housing_task.code in t for t in titles)  # assignment notice from finding_create
    assert response.context["unread_notifications"] == len(titles)
    assert reverse("inspections:notification_list") in response.content.decode()  # the bell links here


def test_open_one_marks_it_read_and_follows_its_link(client, world):
    mine = Notification.objects.filter(recipient=world.housing_user).first()
    client.force_login(world.housing_user)
    response = client.post(reverse("inspections:notification_read"), {"notification": mine.pk})
    assert response.status_code == 302
    assert response["Location"] == world.housing_task.get_absolute_url()
    mine.refresh_from_db()
    assert mine.read_at is not None


def test_cannot_mark_someone_elses_notification(client, world):
    theirs = Notification.objects.filter(recipient=world.township_user).first()
    client.force_login(world.housing_user)
    client.post(reverse("inspections:notification_read"), {"notification": theirs.pk})
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read(client, world):
    services.notify(recipients=[world.staff], kind="reminder", title="提醒一")
    services.notify(recipients=[world.staff], kind="reminder", title="提醒二")
    client.force_login(world.staff)
    client.post(reverse("inspections:notification_read"))
    assert not Notification.objects.filter(recipient=world.staff, read_at__isnull=True).exists()
    response = client.get(reverse("inspections:notification_list"), {"unread": "1"})
    assert list(response.context["page"].object_list) == []
