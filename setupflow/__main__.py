from setupflow.cli import main

main()
