"""The gateway: the only public entry; serves the front ends and routes /api to the services."""
