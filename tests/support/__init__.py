"""Helpers shared by the test modules: no test module imports another.

- ``data``: extract writers, the moment the tests run at, per-day totals counted by hand.
- ``handchecked``: the hand-checked data sets (backlog, returns, deadlines) and their loaders.
- ``processes``: the real ``oversight`` console script, run to the end or kept running; the
  demo database it builds once per session.
- ``cli``: ``oversight`` in this process, through click's runner (the ``runner`` fixture).
- ``slack_standin``: the loopback stand-in for Slack's Web API and Socket Mode.
- ``slack``: the bot tests' people, channels and tokens; signed requests; the bot, started.
- ``readback``: reading figures back out of Block Kit and text, never rebuilt.
- ``access``: the access-control tests' people, channels and settings.
- ``jobs``: the job tests' channel, settings and environment.
"""
