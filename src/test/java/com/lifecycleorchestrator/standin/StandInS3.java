package com.lifecycleorchestrator.standin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.lifecycleorchestrator.core.Clock;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * S3 as far as a bucket's keys are listed: {@code ListObjectsV2} by prefix, keys in UTF-8 binary
 * order, up to 1,000 a response ("ListObjectsV2", Amazon S3 API Reference: a bucket that does not
 * exist is {@code NoSuchBucket}, HTTP 404). Objects are put by the test, as an upload would leave them.
 */
public final class StandInS3 {

  private static final int MAX_KEYS = 1000;

  private record StoredObject(String key, long size, String etag, Instant lastModified) {}

  private final Clock clock;
  private final Map<String, NavigableMap<String, StoredObject>> buckets = new TreeMap<>();

  StandInS3(Clock clock) {
    this.clock = clock;
  }

  public synchronized StandInS3 bucket(String name) {
    buckets.putIfAbsent(name, new TreeMap<>());
    return this;
  }

  /** An object in an existing bucket, written now. */
  public synchronized StandInS3 object(String bucket, String key, byte[] content) {
    existing(bucket).put(key, new StoredObject(key, content.length, "\"" + md5(content) + "\"", clock.now()));
    return this;
  }

  /** The keys of the bucket, in order. */
  public synchronized List<String> keys(String bucket) {
    return List.copyOf(existing(bucket).keySet());
  }

  Map<String, AwsStandIn.Operation> operations() {
    return Map.of("ListObjectsV2", this::listObjects);
  }

  private synchronized ObjectNode listObjects(JsonNode input) {
    String bucket = input.path("Bucket").asText();
    String prefix = input.path("Prefix").asText("");
    List<StoredObject> matching = existing(bucket).tailMap(prefix, true).values().stream()
        .takeWhile(object -> object.key().startsWith(prefix))
        .limit(MAX_KEYS)
        .toList();
    // "EncodingType": with url, S3 answers the keys and the prefix URL-encoded and says so; the CLI asks for it.
    boolean encoded = "url".equals(input.path("EncodingType").asText());
    ObjectNode output = JsonNodeFactory.instance.objectNode()
        .put("Name", bucket)
        .put("Prefix", encoded ? urlEncoded(prefix) : prefix);
    matching.forEach(object -> output.withArray("Contents").addObject()
        .put("Key", encoded ? urlEncoded(object.key()) : object.key())
        .putPOJO("LastModified", object.lastModified())
        .put("ETag", object.etag())
        .put("Size", object.size())
        .put("StorageClass", "STANDARD"));
    output.put("MaxKeys", MAX_KEYS).put("KeyCount", matching.size()).put("IsTruncated", false);
    if (encoded) {
      output.put("EncodingType", "url");
    }
    return output;
  }

  /** Percent-encoding that leaves the key's slashes, as S3 answers it. */
  private static String urlEncoded(String text) {
    return URLEncoder.encode(text, StandardCharsets.UTF_8).replace("+", "%20").replace("%2F", "/");
  }

  private NavigableMap<String, StoredObject> existing(String bucket) {
    NavigableMap<String, StoredObject> objects = buckets.get(bucket);
    if (objects == null) {
      throw new ServiceError("NoSuchBucket", "The specified bucket does not exist", 404, true);
    }
    return objects;
  }

  private static String md5(byte[] content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(content));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has MD5", e);
    }
  }
}
