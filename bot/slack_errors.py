"""Slack API errors as one plain sentence each, with no token or request body in them."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

SENTENCES = {
    "invalid_auth": "Slack refused the bot token (invalid_auth): check SLACK_BOT_TOKEN.",
    "not_authed": "Slack received no token (not_authed): check SLACK_BOT_TOKEN.",
    "account_inactive": "The bot's Slack account is deactivated (account_inactive).",
    "token_revoked": "The bot token was revoked (token_revoked): reinstall the app.",
    "not_in_channel": "The bot is not in that channel (not_in_channel): invite it with /invite.",
    "channel_not_found": "Slack cannot find that channel (channel_not_found): check the ID "
    "and that the bot can see it.",
    "missing_scope": "The app lacks a permission scope (missing_scope): reinstall it from "
    "slack/manifest.yml.",
    "ratelimited": "Slack is rate-limiting the bot (ratelimited).",
}


def describe(error: SlackApiError) -> str:
    code = error.response.get("error") if error.response is not None else None
    if code in SENTENCES:
        return SENTENCES[code]
    status = getattr(error.response, "status_code", "?")
    return f"Slack answered an API call with an error ({code or 'HTTP ' + str(status)})."
