package com.lifecycleorchestrator.handler;

import com.amazonaws.services.lambda.runtime.Context;
import com.amazonaws.services.lambda.runtime.RequestStreamHandler;
import com.lifecycleorchestrator.adapters.SdkDefaultClients;
import com.lifecycleorchestrator.core.Clock;
import com.lifecycleorchestrator.settings.Settings;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The cold-start benchmark's baseline: the same function wired the ordinary way, its clients from
 * the SDK's default builders ({@link SdkDefaultClients}). It is built once per cold start, as
 * Lambda's handler is; only the benchmark's baseline package carries it, never the deployment
 * package.
 */
public final class OrdinaryLifecycleHandler implements RequestStreamHandler {

  private static final LifecycleHandler FUNCTION =
      LifecycleHandler.wiredTo(Settings.fromEnvironment(), SdkDefaultClients.create(), Clock.SYSTEM);

  @Override
  public void handleRequest(InputStream input, OutputStream output, Context context) throws IOException {
    FUNCTION.handleRequest(input, output, context);
  }
}
