// ZooImage: image files (PNG, JPEG) and image tensors; see the other files of this module.
import ZooCore
