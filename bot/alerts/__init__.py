"""Alerts: what to announce (queue), delivering it within platform limits (worker), and the jobs that run them."""
