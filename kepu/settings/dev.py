"""Development: the embedded defaults, debug on, e-mail to the console."""

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)  # noqa: F405
