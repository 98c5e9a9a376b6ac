"""What runs around the features' jobs: the after-commit drain (aftercommit.py), the periodic sweep that
rebuilds lost work from the database (sweep.py) and housekeeping. The jobs themselves live with their
features (deadlines/jobs.py, followup/jobs.py, scoring/jobs.py, learning/jobs.py, notifications); the
toolkit they share is hotline.queue.

Every job re-reads the database and does nothing when its work is already done, so running one twice
(or after the sweep re-created it) changes nothing the second time.
"""
