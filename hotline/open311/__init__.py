"""Open311 GeoReport v2 under /open311/v2/: discovery, services and their definitions, requests (POST
through the one intake path; GET with the spec's filters), tokens, and mySociety's servicerequestupdates.

views.py routes; schemas.py validates the POST form; service.py queries; present.py maps tickets to the
spec's fields and renders them as JSON or XML.
"""
