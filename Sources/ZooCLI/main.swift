// Entry point of the `stackzoo` command.
import ZooCore
print("stackzoo")
