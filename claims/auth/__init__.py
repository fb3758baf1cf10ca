"""Users, roles, login (bearer token and session cookie) and facility scoping."""
