"""RQ jobs: deadline watches, notifications, follow-ups, scoring, retraining, and the sweep.

Every job re-reads the database and does nothing when its work is already done, so running one twice
(or after the sweep re-created it) changes nothing the second time.
"""
