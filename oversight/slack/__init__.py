"""The Slack plumbing shared by the bot and the jobs (the Web API client, its retries, Slack's
errors in words, logs that never show a token) and ``oversight doctor``.

Only this package, ``bot/`` and ``jobs/`` import slack_sdk or slack_bolt: the rest of
``oversight`` knows nothing of Slack (a test holds it to that).
"""
