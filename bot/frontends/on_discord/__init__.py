"""Discord front-end on discord.py: slash commands, rendering to embeds, sending alerts."""
