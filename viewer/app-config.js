/**
 * OHIF configuration for SPA for OHIF (served as /app-config.js in place of the host's).
 *
 * The server writes `window.SPA_RUNTIME` (/spa-runtime-config.js) before this file runs:
 * `dicomweb` is set when the server was started with --dicomweb / DICOMWEB_URL; that
 * server is then proxied under /dicomweb and becomes the default data source. Without
 * it, the default is the embedded sample study, a static DICOMweb tree.
 */
(function () {
  var runtime = window.SPA_RUNTIME || {};
  var origin = window.location.origin;

  function dicomwebSource(sourceName, friendlyName, root, isStatic) {
    return {
      namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
      sourceName: sourceName,
      configuration: {
        friendlyName: friendlyName,
        name: sourceName,
        wadoUriRoot: root,
        qidoRoot: root,
        wadoRoot: root,
        qidoSupportsIncludeField: false,
        imageRendering: 'wadors',
        thumbnailRendering: 'wadors',
        enableStudyLazyLoad: true,
        supportsFuzzyMatching: false,
        supportsWildcard: !isStatic,
        staticWado: isStatic,
        singlepart: 'bulkdata,video',
        bulkDataURI: { enabled: true, relativeResolution: 'studies' },
        omitQuotationForMultipartRequest: true,
        dicomUploadEnabled: !isStatic,
      },
    };
  }

  var dataSources = [
    dicomwebSource('sample', 'SPA sample study (LIDC-IDRI-0001)', origin + runtime.sampleDicomwebPath, true),
  ];
  if (runtime.dicomweb) {
    dataSources.push(dicomwebSource('pacs', 'DICOMweb server ' + runtime.dicomweb.upstream, origin + runtime.dicomweb.path, false));
  }

  window.config = {
    name: 'spa-for-ohif',
    routerBasename: '/',
    extensions: [runtime.extensionModule],
    modes: [runtime.modeModule],
    customizationService: {},
    showStudyList: true,
    maxNumberOfWebWorkers: 2,
    showWarningMessageForCrossOrigin: false,
    showCPUFallbackMessage: true,
    showLoadingIndicator: true,
    strictZSpacingForVolumeViewport: true,
    groupEnabledModesFirst: true,
    maxNumRequests: { interaction: 100, thumbnail: 5, prefetch: 10 },
    showErrorDetails: 'always',
    defaultDataSourceName: runtime.dicomweb ? 'pacs' : 'sample',
    dataSources: dataSources,
    // OHIF calls this for failed image requests (including ones cancelled when the user
    // leaves a study while it loads); without it the host throws "handler is not a function".
    httpErrorHandler: function (error) {
      console.warn('[SPA for OHIF] request failed:', (error && (error.status || error.message)) || error);
    },
    // SPA settings, read by the extension's preRegistration (SpaService configuration).
    spa: {
      modelContractUrl: '/models/spa-lidc.json',
      ortWasmPaths: runtime.ortPath,
    },
  };
})();
