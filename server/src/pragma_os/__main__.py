from pragma_os.cli import main

main()
