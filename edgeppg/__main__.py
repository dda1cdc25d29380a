from edgeppg.cli import main

main()
