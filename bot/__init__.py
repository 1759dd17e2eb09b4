"""The Slack bot: thin Bolt listeners over the oversight core."""
