"""Closure (销号) the way bureaus close: acceptance records, public notice and objections, sign-off with a
confirmation, re-check, filing sheets and lists, deadline extensions, 回头看 re-checks and batch actions."""
