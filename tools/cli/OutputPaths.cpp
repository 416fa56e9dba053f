//===- OutputPaths.cpp - Outputs checked before any work ------------------===//
//
// Part of the FM-MLIR project.
//
//===----------------------------------------------------------------------===//
//
// checkOutputPath and checkOutputPaths (Cli.h): every command of fm-run and
// fm-exec checks where it will write before it starts, so that it never
// destroys an input and never fails after the work is done.
//
//===----------------------------------------------------------------------===//

#include "Cli.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/Path.h"

using namespace fm::cli;

llvm::Error fm::cli::makeError(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

llvm::Error fm::cli::checkOutputPath(llvm::StringRef path,
                                     llvm::ArrayRef<llvm::StringRef> inputs) {
  namespace fs = llvm::sys::fs;
  if (path.empty())
    return makeError("an output path is empty");
  fs::file_status status;
  if (!fs::status(path, status, /*follow=*/false) && fs::exists(status)) {
    if (fs::is_directory(path))
      return makeError("output '" + path + "' is a directory");
    if (fs::is_symlink_file(status))
      return makeError("output '" + path +
                       "' is a symbolic link, which writing would replace "
                       "with a file; name its target instead");
    if (!fs::is_regular_file(status))
      return makeError("output '" + path +
                       "' is not a regular file (a device, FIFO or socket)");
    for (llvm::StringRef input : inputs) {
      bool same = false;
      if (!input.empty() && !fs::equivalent(path, input, same) && same)
        return makeError("output '" + path + "' is the input '" + input +
                         "', which writing it would destroy");
    }
  }
  // Written as `<name>.tmp-XXXXXXXX`, then renamed (fm/Runtime/FileUtils.h).
  constexpr size_t kTempSuffix = 13, kNameMax = 255;
  llvm::StringRef name = llvm::sys::path::filename(path);
  if (name.size() + kTempSuffix > kNameMax)
    return makeError(llvm::formatv("output name '{0}' is {1} bytes long; "
                                   "with its temporary suffix it exceeds the "
                                   "file system's {2}",
                                   name, name.size(), kNameMax));
  llvm::StringRef dir = llvm::sys::path::parent_path(path);
  if (dir.empty())
    dir = ".";
  if (!fs::is_directory(dir))
    return makeError("output directory '" + dir + "' does not exist");
  if (fs::access(dir, fs::AccessMode::Write))
    return makeError("output directory '" + dir + "' is not writable");
  return llvm::Error::success();
}

llvm::Error fm::cli::checkOutputPaths(llvm::ArrayRef<llvm::StringRef> outputs,
                                      llvm::ArrayRef<llvm::StringRef> inputs) {
  for (auto [i, output] : llvm::enumerate(outputs)) {
    if (output.empty())
      continue;
    if (llvm::Error err = checkOutputPath(output, inputs))
      return err;
    for (llvm::StringRef other : outputs.take_front(i))
      if (other == output)
        return makeError("'" + output + "' is named for two outputs");
  }
  return llvm::Error::success();
}
