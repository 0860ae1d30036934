"""Settings shared by the tests that train a suppressor: short and seeded."""

#: Two epochs, quiet, seeded: enough to exercise a suppressor's code paths on tiny data.
FAST = dict(max_epochs=2, progress=False, random_state=0)
