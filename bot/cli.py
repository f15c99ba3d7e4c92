def main() -> None:
    print("storybot")
