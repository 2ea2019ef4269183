package com.lifecycleorchestrator.testkit;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * A function's deployment package as Lambda unpacks it in {@code /var/task}: the compiled classes
 * and resources at the root, the runtime dependencies' jars in {@code lib/}. Each entry is its name
 * in the package and the file it comes from.
 */
public record DeploymentPackage(Map<String, Path> entries) {

  public static final Path BUILT = Path.of("target", "lambda");
  static final Path CLASSES = Path.of("target", "classes");
  static final Path RUNTIME_CLASSPATH = Path.of("target", "runtime-classpath.txt");

  public DeploymentPackage {
    entries = Map.copyOf(entries);
  }

  /**
   * What {@code sam build} deploys: {@code target/lambda}, which Maven's package phase builds with
   * the AWS SDK shrunk, and the Makefile copies.
   */
  public static DeploymentPackage built() {
    if (!Files.isDirectory(BUILT.resolve("lib"))) {
      throw new IllegalStateException(BUILT + " is built by Maven's package phase; run mvn package (or verify) first");
    }
    return new DeploymentPackage(Map.of()).withClasses(BUILT, name -> true);
  }

  /**
   * The function as an ordinary Maven build packages it, nothing shrunk: {@code target/classes},
   * and every jar of the runtime class path Maven wrote.
   */
  public static DeploymentPackage unshrunk() {
    return new DeploymentPackage(Map.of()).withClasses(CLASSES, name -> true).withLibraries(classpath(RUNTIME_CLASSPATH));
  }

  /** The jars of a class path file that Maven's {@code dependency:build-classpath} wrote. */
  public static List<Path> classpath(Path file) {
    if (!Files.exists(file)) {
      throw new IllegalStateException(file + " is written by the Maven build (generate-test-resources); run through Maven");
    }
    try {
      String text = Files.readString(file).strip();
      return text.isEmpty() ? List.of() : Stream.of(text.split(File.pathSeparator)).map(Path::of).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** This package with the files under {@code root} whose relative names pass {@code which}, at its root. */
  public DeploymentPackage withClasses(Path root, Predicate<String> which) {
    Map<String, Path> more = new TreeMap<>(entries);
    try (Stream<Path> files = Files.walk(root)) {
      files.filter(Files::isRegularFile)
          .filter(file -> which.test(name(root, file)))
          .forEach(file -> more.put(name(root, file), file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new DeploymentPackage(more);
  }

  /** This package with the jars given in {@code lib/}. */
  public DeploymentPackage withLibraries(List<Path> jars) {
    Map<String, Path> more = new TreeMap<>(entries);
    for (Path jar : jars) {
      Path earlier = more.put("lib/" + jar.getFileName(), jar);
      if (earlier != null && !earlier.equals(jar)) {
        throw new IllegalStateException("two jars named " + jar.getFileName() + " in lib/: " + earlier + " and " + jar);
      }
    }
    return new DeploymentPackage(more);
  }

  /** The package as the zip file that is uploaded to Lambda. */
  public byte[] zipped() {
    ByteArrayOutputStream zipped = new ByteArrayOutputStream();
    try (ZipOutputStream zip = new ZipOutputStream(zipped)) {
      for (Map.Entry<String, Path> entry : new TreeMap<>(entries).entrySet()) {
        zip.putNextEntry(new ZipEntry(entry.getKey()));
        Files.copy(entry.getValue(), zip);
        zip.closeEntry();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return zipped.toByteArray();
  }

  /** Lays the package out under {@code directory}, as Lambda unpacks it in {@code /var/task}. */
  public Path unpackedIn(Path directory) {
    try {
      for (Map.Entry<String, Path> entry : entries.entrySet()) {
        Path target = directory.resolve(entry.getKey());
        Files.createDirectories(target.getParent());
        Files.copy(entry.getValue(), target);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return directory;
  }

  private static String name(Path root, Path file) {
    return root.relativize(file).toString().replace(File.separatorChar, '/');
  }
}
