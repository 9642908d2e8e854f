"""The clock process: `python -m jobs` (the Procfile's `scheduler`). The wiring is in jobs/clock.py."""
from jobs.clock import main

if __name__ == "__main__":
    main()
