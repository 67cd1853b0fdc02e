"""Faithful local simulators of the provider APIs, served over real HTTP on loopback."""

# Credentials the simulators accept; the runner uses them for `simulate:` models.
SIM_API_KEY = "sim-key"
SIM_ACCESS_KEY = "sim-access"
SIM_SECRET_KEY = "sim-secret-0123456789abcdef"
