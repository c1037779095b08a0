"""The lifecycle library: what tasks.py and noxfile.py call to build, ship and prove the app."""
