#!/usr/bin/env python
"""Django's manage.py; `fitnesscrm` is the same command once installed."""

from fitnesscrm.cli import main

if __name__ == "__main__":
    main()
