"""Telegram front-end on python-telegram-bot: application, permissions, rendering, sending."""
