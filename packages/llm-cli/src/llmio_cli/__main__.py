def main() -> None:
    from .app import main as run

    run()


if __name__ == "__main__":
    main()
