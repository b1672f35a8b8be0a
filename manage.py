#!/usr/bin/env python
"""Django's command-line utility for the rectification tracker."""

import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rectify.settings")
    # manage.py is the developer's tool: without an explicit DEBUG it runs in development mode.
    # Production sets DEBUG=0 (docker-compose.yml does, for every service); gunicorn and Celery
    # load the settings without this default.
    os.environ.setdefault("DEBUG", "1")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
