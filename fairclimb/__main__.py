"""``python -m fairclimb`` runs the command line."""

from fairclimb.cli import main

if __name__ == "__main__":
    main()
