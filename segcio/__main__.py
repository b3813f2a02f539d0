from segcio.cli import main

main()
