"""The job toolkit: what every RQ job and every scheduler of jobs uses (no feature code here).

- runtime.py  the app, queue and settings a job runs with, in a worker or a request
- toolkit.py  the `@job` decorator (app context + session) and the one enqueue policy
- clocked.py  releasing scheduled jobs by Hotline's clock (tests and simulations)
"""
