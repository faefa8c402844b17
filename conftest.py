# The project root on sys.path for pytest (tests import config, reviews, outreach).
