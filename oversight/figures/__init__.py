"""The figures: pure functions of a store and a date, returning plain data.

Nothing here reads the clock: the as-of date is always given.
"""
